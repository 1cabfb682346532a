#!/usr/bin/env bash
set -euo pipefail

az aks create \
  --resource-group myResourceGroup \
  --name myAKSCluster \
  --enable-aad \
  --aad-admin-group-object-ids $AKS_ADMIN_GROUP_ID \
  --enable-azure-rbac \
  --disable-local-accounts \
  --generate-ssh-keys

az aks update \
  --resource-group myResourceGroup \
  --name myAKSClusterOld \
  --disable-local-accounts

az aks rotate-certs \
  --resource-group myResourceGroup \
  --name myAKSClusterOld \
  --yes
