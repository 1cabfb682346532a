#!/usr/bin/env bash
set -euo pipefail

az aks create \
  --resource-group myResourceGroup \
  --name myAKSCluster \
  --enable-aad \
  --aad-admin-group-object-ids $AKS_ADMIN_GROUP_ID \
  --disable-local-accounts \
  --generate-ssh-keys

az aks update \
  --resource-group myResourceGroup \
  --name myAKSClusterOld \
  --disable-azure-rbac
