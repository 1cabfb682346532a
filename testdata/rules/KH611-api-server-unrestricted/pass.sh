#!/usr/bin/env bash
set -euo pipefail

az aks create \
  --resource-group myResourceGroup \
  --name myAKSCluster \
  --node-count 3 \
  --api-server-authorized-ip-ranges 203.0.113.0/24,198.51.100.17/32 \
  --generate-ssh-keys

az aks create \
  --resource-group myResourceGroup \
  --name myAKSClusterPrivate \
  --node-count 3 \
  --enable-private-cluster \
  --generate-ssh-keys

az aks update \
  --resource-group myResourceGroup \
  --name myAKSClusterOld \
  --api-server-authorized-ip-ranges 203.0.113.0/24

az aks update \
  --resource-group myResourceGroup \
  --name myAKSClusterDev \
  --api-server-authorized-ip-ranges $(curl -s https://ifconfig.me)/32

# An update without the flag leaves the ranges as they are.
az aks update \
  --resource-group myResourceGroup \
  --name myAKSCluster \
  --enable-defender
